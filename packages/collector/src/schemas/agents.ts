// GET /v1/agents and POST /v1/agents/:agent_id/revoke.
import { Type } from 'typebox';

export const AgentJson = Type.Object({
  agent_id: Type.String(),
  name: Type.String(),
  location: Type.Object({
    country: Type.String(),
    continent: Type.String(),
    asn: Type.Integer({ description: '0 = not declared' }),
  }),
  enrolled_at_ms: Type.Integer(),
  revoked: Type.Boolean(),
  revoked_at_ms: Type.Union([Type.Integer(), Type.Null()]),
  last_seen_ms: Type.Union([Type.Integer(), Type.Null()], { description: 'newest observation of the last 24 h, else null' }),
  observations_24h: Type.Integer(),
});

export const AgentList = Type.Object({ agents: Type.Array(AgentJson) });

export const AgentParams = Type.Object({ agent_id: Type.String({ minLength: 1, maxLength: 64 }) });

export const RevokeResponse = Type.Object({
  agent_id: Type.String(),
  revoked: Type.Boolean(),
  revoked_at_ms: Type.Integer(),
});
