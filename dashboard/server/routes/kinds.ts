import type { TSchema } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { KINDS } from '../../../protocol/index.js';
import type { KindField, KindInfo } from '../../../api/index.js';
import { requireUser } from '../auth.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';

/** "Battery level, %." → "%"; "Battery, % (battery-powered sensors only)." → "%"; no unit → null. */
export function unitOf(description: string | undefined): string | null {
  const m = /,\s*([^,()]+?)\s*(?:\([^)]*\))?\.?$/.exec(description ?? '');
  return m ? m[1]! : null;
}

function fieldType(s: TSchema): KindField['type'] {
  if (s.type === 'integer' || s.type === 'number' || s.type === 'boolean') return s.type;
  return 'string';
}

/** The protocol's device kinds as the web app needs them: labels, fields with units, chart field, health rules. */
export function kindInfos(): KindInfo[] {
  return Object.values(KINDS).map((k) => ({
    kind: k.kind,
    label: k.label,
    chartField: k.chartField,
    health: k.health,
    fields: Object.entries(k.fields as Record<string, TSchema>).map(([name, s]) => ({
      name, type: fieldType(s), unit: unitOf(s.description), description: s.description ?? '',
    })),
  }));
}

/** GET /api/kinds. */
export const kindRoutes: FastifyPluginAsync = async (app) => {
  const infos = kindInfos();
  app.get<Route<'GET /api/kinds'>>('/kinds', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('GET /api/kinds') }, async () => infos);
};
