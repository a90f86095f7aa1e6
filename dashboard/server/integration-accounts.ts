import type { IntegrationAccount, RegistryStore, User } from '../../registry/index.js';
import type { IntegrationAccountList, IntegrationAccountView, NewIntegrationAccountInput, NewIntegrationAccountResponse } from '../../api/index.js';

/** An account as the web app lists it (never its secret: the registry has only its hash). */
export function integrationView(a: IntegrationAccount): IntegrationAccountView {
  return {
    name: a.name, clientIdPattern: a.clientIdPattern, readPatterns: a.readPatterns, writePatterns: a.writePatterns, districtId: a.districtId,
    schoolId: a.schoolId, createdBy: a.createdBy, createdAt: a.createdAt, revokedAt: a.revokedAt, lastConnectedAt: a.lastConnectedAt,
    state: a.revokedAt === null ? 'active' : 'revoked',
  };
}

export async function listIntegrations(registry: RegistryStore, now: number): Promise<IntegrationAccountList> {
  return { accounts: (await registry.integrations.list()).map(integrationView), generatedAt: now };
}

/**
 * Makes an account as `edufleet integration add` does (the route has checked `integrations.manage`): the registry
 * validates the name, patterns and scope and audits it under the admin's name; the secret is answered this once.
 */
export async function createIntegration(user: User, registry: RegistryStore, input: NewIntegrationAccountInput, now: number): Promise<NewIntegrationAccountResponse> {
  const { account, secret } = await registry.integrations.add(input, user.username, now);
  return { secret, account: integrationView(account) };
}

/**
 * Revokes an account as `edufleet integration revoke` does (audited; again changes nothing): every broker's next reload
 * of the accounts (each second) closes its connected clients and refuses them from then on.
 */
export async function revokeIntegration(user: User, registry: RegistryStore, name: string, now: number): Promise<IntegrationAccountView> {
  await registry.integrations.revoke(name, user.username, now);
  const a = await registry.integrations.get(name);
  return integrationView(a!);
}
