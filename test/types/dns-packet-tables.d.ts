// Declarations for dns-packet's type and rcode tables, which @types/dns-packet leaves out; tests use
// them to cross-check core's tables.
declare module 'dns-packet/types.js' {
  const types: { toString(type: number): string; toType(name: string): number };
  export default types;
}
declare module 'dns-packet/rcodes.js' {
  const rcodes: { toString(rcode: number): string; toRcode(name: string): number };
  export default rcodes;
}
