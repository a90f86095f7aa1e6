/** Login, logout and who is logged in, with what they may do. */
import { Type, type Static } from '@sinclair/typebox';
import { Role, Scope } from './common.js';
import { Obj } from './kit.js';

const flag = (description: string) => Type.Boolean({ description });

/** What a user may do, as the server decides it (dashboard/server/scope.ts `can`); the web app hides what is false. */
export const Permissions = Obj({
  editRecords: flag('Edit device records, add maintenance entries, create and edit sites and rooms, import (within scope).'),
  provision: flag('Issue, rotate and revoke device credentials; print labels (within scope).'),
  editSchools: flag('Create, edit, move and retire districts and schools.'),
  manageUsers: flag('Manage users and roles.'),
  readAudit: flag('Read the audit log.'),
  readAlerts: flag('See device health, the alert inbox and alert history.'),
  actOnAlerts: flag('Acknowledge, resolve and silence alerts (within scope).'),
  configureAlerts: flag('Change alert rules and notification recipients (within scope).'),
  sendCommands: flag('Send remote commands to devices and cancel them (within scope).'),
  readEdges: flag('See the edge nodes of the schools in scope (admins and planners; technicians of their own schools).'),
  importEdges: flag('Import an edge node\'s export file (the sneakernet up; admins).'),
  manageEdges: flag('Register edge nodes with their public keys (admins).'),
  manageTokens: flag('Create, list and revoke API tokens for machines (admins; docs/integration.md).'),
  manageIntegrations: flag('Create, list and revoke integration accounts, MQTT clients that are not devices (admins; docs/integration.md).'),
});
export type Permissions = Static<typeof Permissions>;

/** The signed-in user (or the API token's identity) and what they may do. */
export const Me = Obj({
  id: Type.Integer(),
  username: Type.String(),
  displayName: Type.String(),
  role: Role,
  scope: Scope,
  permissions: Permissions,
});
export type Me = Static<typeof Me>;

export const LoginInput = Obj({
  username: Type.String({ minLength: 1, maxLength: 128 }),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
});
export type LoginInput = Static<typeof LoginInput>;

export const LogoutResponse = Obj({ ok: Type.Boolean() });
export type LogoutResponse = Static<typeof LogoutResponse>;
