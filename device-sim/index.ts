export { provinceScenario } from './province.js';
export { parseScenario, loadScenario, countDevices, ScenarioSchema, type Scenario } from './scenario.js';
export { provision, simDeviceId, type SimDevice } from './provision.js';
export { Simulator, roomInUse, type SimStats, type SimulatorOptions } from './simulator.js';
export { schoolActivity, localTime } from './timetable.js';
export { startProgress } from './progress.js';
