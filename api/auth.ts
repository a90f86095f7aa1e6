/** Login, logout and who is logged in, with what they may do. */
import type { Role, Scope } from '../domain/index.js';

/** What a user may do, as the server decides it (dashboard/server/scope.ts `can`); the web app hides what is false. */
export interface Permissions {
  /** Edit device records, add maintenance entries, create and edit sites and rooms, import (within scope). */
  editRecords: boolean;
  /** Issue, rotate and revoke device credentials; print labels (within scope). */
  provision: boolean;
  /** Create, edit, move and retire districts and schools. */
  editSchools: boolean;
  /** Manage users and roles. */
  manageUsers: boolean;
  /** Read the audit log. */
  readAudit: boolean;
  /** See device health, the alert inbox and alert history. */
  readAlerts: boolean;
  /** Acknowledge, resolve and silence alerts (within scope). */
  actOnAlerts: boolean;
  /** Change alert rules and notification recipients (within scope). */
  configureAlerts: boolean;
  /** Send remote commands to devices and cancel them (within scope). */
  sendCommands: boolean;
  /** See the edge nodes of the schools in scope (admins and planners; technicians of their own schools). */
  readEdges: boolean;
  /** Import an edge node's export file (the sneakernet up; admins). */
  importEdges: boolean;
  /** Register edge nodes with their public keys (admins). */
  manageEdges: boolean;
  /** Create, list and revoke API tokens for machines (admins; docs/integration.md). */
  manageTokens: boolean;
}

export interface Me {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  scope: Scope;
  permissions: Permissions;
}

export interface LoginInput { username: string; password: string }
