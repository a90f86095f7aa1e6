import type { DashboardFactory } from '../../cli/stack.js';

/** Placeholder until the dashboard lands: the stack runs without it. */
export const startDashboard: DashboardFactory = async () => ({ url: '', stop: async () => {} });
