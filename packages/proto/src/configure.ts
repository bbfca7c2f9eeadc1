// 64-bit fields (seq, millisecond timestamps) stay below 2^53: decode them as plain numbers.
// This module must be evaluated before the generated code, which reads util.Long at load time.
import $protobuf from 'protobufjs/minimal.js';

$protobuf.util.Long = undefined as unknown as typeof $protobuf.util.Long;
$protobuf.configure();
