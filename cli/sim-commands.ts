import type { Config } from '../config/index.js';

export interface DemoOptions { devices: number; seed: number }
export interface SimCommandOptions {
  scenarioFile?: string; devices: number; seed: number; brokerUrl: string; intervalS: number; faultRate: number; durationS?: number;
}

export async function runDemo(_config: Readonly<Config>, _o: DemoOptions): Promise<void> {
  throw new Error('demo: not yet available');
}

export async function runSim(_config: Readonly<Config>, _o: SimCommandOptions): Promise<void> {
  throw new Error('sim: not yet available');
}
