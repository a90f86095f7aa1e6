export { provinceScenario } from './province.js';
export { parseScenario, loadScenario, countDevices, ScenarioSchema, type Scenario } from './scenario.js';
export { provision, simDeviceId, type SimDevice, type ProvisionOptions } from './provision.js';
export { Simulator, type SimStats, type SimulatorOptions } from './simulator.js';
export { schoolActivity, localTime, roomInUse, roomMoment, type RoomMoment } from './timetable.js';
export { reading, badReading, schemaReading, newBody } from './behaviour.js';
export { rollFaults } from './faults.js';
export { startProgress } from './progress.js';
