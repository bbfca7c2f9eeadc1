// POST /v1/enrolment-tokens and POST /v1/agents/enroll.
import { Type } from 'typebox';

export const DEFAULT_TOKEN_TTL_S = 7 * 86_400;
export const DEFAULT_TOKEN_MAX_USES = 1;

export const CreateTokenBody = Type.Object({
  label: Type.Optional(Type.String({ maxLength: 255, description: 'a note for the admin' })),
  ttl_s: Type.Optional(Type.Integer({
    minimum: 0, maximum: 10 * 365 * 86_400,
    description: `lifetime in seconds; 0 = never expires (default ${DEFAULT_TOKEN_TTL_S})`,
  })),
  max_uses: Type.Optional(Type.Integer({
    minimum: 0, maximum: 1_000_000,
    description: `how many agents may enrol with it; 0 = unlimited (default ${DEFAULT_TOKEN_MAX_USES})`,
  })),
}, { additionalProperties: false });

export const CreateTokenResponse = Type.Object({
  token: Type.String({ description: 'the enrolment token; shown once, only its hash is stored' }),
  label: Type.String(),
  expires_at_ms: Type.Integer({ description: '0 = never' }),
  max_uses: Type.Integer({ description: '0 = unlimited' }),
});

export const EnrollBody = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 256 }),
  public_key: Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'raw Ed25519 public key, 64 hex digits' }),
  country: Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2' }),
  continent: Type.Union(['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA'].map((c) => Type.Literal(c))),
  asn: Type.Optional(Type.Integer({ minimum: 0, maximum: 4_294_967_295 })),
  name: Type.Optional(Type.String({ maxLength: 255, description: 'a label chosen by the volunteer' })),
}, { additionalProperties: false });

export const EnrollResponse = Type.Object({
  agent_id: Type.String({ description: '"a" + first 20 hex digits of SHA-256(public key)' }),
  server_time_ms: Type.Integer(),
});
