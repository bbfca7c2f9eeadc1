// POST /v1/zones, GET /v1/zones, DELETE /v1/zones/:zone.
import { Type } from 'typebox';

export const ZoneBody = Type.Object({
  zone: Type.String({ minLength: 1, maxLength: 1024, description: 'zone name; "." or "@" for the root' }),
  interval_s: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400, description: 'query interval; 0 = agent default' })),
  qtypes: Type.Optional(Type.Array(
    Type.Union([Type.String({ minLength: 1, maxLength: 16 }), Type.Integer({ minimum: 1, maximum: 65_535 })]),
    { maxItems: 64, description: 'types to query, mnemonics (DNSKEY) or numbers (48); empty = agent default set' },
  )),
  query_authoritatives: Type.Optional(Type.Boolean({ description: 'also ask the zone\'s authoritative servers directly' })),
}, { additionalProperties: false });

export const ZoneJson = Type.Object({
  zone: Type.String(),
  interval_s: Type.Integer(),
  qtypes: Type.Array(Type.Integer()),
  query_authoritatives: Type.Boolean(),
});

export const ZoneList = Type.Object({
  version: Type.Integer({ description: 'changes whenever the list changes (the ZoneAssignment version)' }),
  zones: Type.Array(ZoneJson),
});

export const ZoneRemoved = Type.Object({ zone: Type.String(), removed: Type.Boolean() });
