// GET /healthz.
import { Type } from 'typebox';

export const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  store: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  version: Type.String(),
});
