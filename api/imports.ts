/** The equipment import from the web app: a background job that reads and plans a CSV/XLSX, then applies it. */
import type { ApiErrorBody } from './common.js';

/**
 * An import in the web app: POST /api/imports?name=FILE (the file as the body) starts a job that reads and plans;
 * GET /api/imports/:id polls it; POST /api/imports/:id/apply applies it (re-planned against the registry as it is
 * then). `progress` moves through the phases so a large file shows a progress bar.
 */
export interface ImportJobView<Plan> {
  id: string;
  file: string;
  status: 'planning' | 'planned' | 'applying' | 'applied' | 'failed';
  progress: { phase: 'read' | 'plan' | 'apply'; done: number; total: number };
  plan?: Plan;
  error?: ApiErrorBody;
}
export interface ImportJob extends ImportJobView<ImportPlanView> {
  /** Devices created (code → id), once applied. */
  created?: Record<string, string>;
}
export interface ImportPlanView {
  counts: { create: number; update: number; unchanged: number; refused: number };
  rows: { line: number; action: 'create' | 'update' | 'unchanged'; code: string; kind: string; name: string; school: string; site: string; room: string; changes: string[] }[];
  refused: { line: number; code?: string; reason: string }[];
  newSites: { schoolCode: string; name: string }[];
  newRooms: { schoolCode: string; site: string; code: string; type: string }[];
  ignoredColumns: string[];
  notes: string[];
}
export interface ImportStartQuery { name: string }
export interface ApplyImportInput {
  /** Apply the valid rows although some were refused (must be asked for explicitly). */
  applyValid?: boolean;
}

// ── the places import (issue 9): a Sở's list of districts, schools and sites ───────────────────────────────────

/**
 * POST /api/imports/places?name=FILE (the file as the body) starts a job; GET /api/imports/places/:id polls it;
 * POST /api/imports/places/:id/apply applies it (ApplyImportInput). GET /api/places.csv|xlsx exports the list in
 * the same columns. All need the editSchools permission.
 */
export type PlacesAction = 'create' | 'update' | 'unchanged';
export interface PlacesPlanView {
  counts: { create: number; update: number; unchanged: number; refused: number; newSites: number };
  districts: { line: number; action: PlacesAction; code: string; name: string }[];
  /** `district`: its code; null = directly under the Sở; absent = the file does not say. */
  schools: { line: number; action: PlacesAction; code: string; name: string; level?: string; pupils?: number; district?: string | null; changes: string[] }[];
  newSites: { line: number; schoolCode: string; name: string }[];
  refused: { line: number; code?: string; reason: string }[];
  ignoredColumns: string[];
  notes: string[];
}
/** The school list's import job: the same steps and states as the equipment import's. */
export type PlacesImportJob = ImportJobView<PlacesPlanView>;
