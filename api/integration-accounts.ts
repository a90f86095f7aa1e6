/**
 * Integration accounts in the web app (issue 22; docs/integration.md "Integration accounts (MQTT)", docs/security.md):
 * MQTT clients that are not devices, made, listed and revoked by an admin with a session ("Tài khoản tích hợp"), as
 * `edufleet integration add | list | revoke` does. The rules live in registry/store/integration-accounts.ts, for both.
 */
import { Type, type Static } from '@sinclair/typebox';
import { INTEGRATION_NAME_PATTERN } from './constants.js';
import { Id, Ms, Nullable, Obj } from './kit.js';
const Pattern = Type.String({ minLength: 1, maxLength: 256, description: "an MQTT topic filter: '+' one whole level, '#' only last" });

/** `revoked` from its revocation on: refused at login, its clients closed. */
export const IntegrationAccountState = Type.Union([Type.Literal('active'), Type.Literal('revoked')]);
export type IntegrationAccountState = Static<typeof IntegrationAccountState>;

/** An account as the list shows it: never its secret (the registry keeps only a scrypt hash). Times are UTC ms. */
export const IntegrationAccountView = Obj({
  name: Type.String(),
  /** A glob, `*` any run of characters; '' any client id, the zero-length one included. */
  clientIdPattern: Type.String(),
  readPatterns: Type.Array(Type.String()),
  writePatterns: Type.Array(Type.String()),
  /** The scope: one district, or one school, or (both null) the whole province. */
  districtId: Nullable(Type.Integer()),
  schoolId: Nullable(Type.Integer()),
  createdBy: Type.String(),
  createdAt: Ms(),
  revokedAt: Nullable(Ms()),
  /** When a client of it last logged in (noted at most once a minute); null: never, as far as EduFleet knows. */
  lastConnectedAt: Nullable(Ms()),
  state: IntegrationAccountState,
});
export type IntegrationAccountView = Static<typeof IntegrationAccountView>;

/** GET /api/integrations: every account, revoked ones too, by name. */
export const IntegrationAccountList = Obj({ accounts: Type.Array(IntegrationAccountView), generatedAt: Ms() });
export type IntegrationAccountList = Static<typeof IntegrationAccountList>;

/** POST /api/integrations: at least one read or write pattern; at most one of districtId and schoolId. */
export const NewIntegrationAccountInput = Obj({
  name: Type.String({ pattern: INTEGRATION_NAME_PATTERN, description: 'its MQTT username too' }),
  clientIdPattern: Type.Optional(Type.String({ maxLength: 128 })),
  readPatterns: Type.Array(Pattern, { maxItems: 32 }),
  writePatterns: Type.Array(Pattern, { maxItems: 32 }),
  districtId: Type.Optional(Nullable(Id)),
  schoolId: Type.Optional(Nullable(Id)),
});
export type NewIntegrationAccountInput = Static<typeof NewIntegrationAccountInput>;

/** The answer to POST /api/integrations: the secret (its MQTT password), this once. */
export const NewIntegrationAccountResponse = Obj({ secret: Type.String(), account: IntegrationAccountView });
export type NewIntegrationAccountResponse = Static<typeof NewIntegrationAccountResponse>;

/** `/api/integrations/:name/…` */
export const IntegrationNameParams = Obj({ name: Type.String({ pattern: INTEGRATION_NAME_PATTERN }) });
export type IntegrationNameParams = Static<typeof IntegrationNameParams>;
