export { provinceScenario } from './province.js';
export { parseScenario, loadScenario, countDevices, ScenarioSchema, type Scenario, type ScenarioSchool, type ScenarioRoom, type OutOfHoursSession } from './scenario.js';
export { provision, simDeviceId, type SimDevice, type ProvisionOptions } from './provision.js';
export { Simulator, roomSchedule, type SimStats, type SimulatorOptions, type InjectedFault } from './simulator.js';
export { backfill, type BackfillOptions, type BackfillProgress, type BackfillResult } from './backfill.js';
export { groundTruth, writeTruth, type GroundTruth, type TruthRoom, type TruthPeriod } from './truth.js';
export {
  schoolActivity, localTime, roomInUse, roomMoment, termsOn, nextReadingAt, RoomSchedule, HEARTBEAT_MS,
  type RoomMoment, type DayPlan, type RoomPlanOptions,
} from './timetable.js';
export { reading, badReading, schemaReading, newBody } from './behaviour.js';
export { rollFaults, FAULTS, FAULT_NAMES, isFaultName, faultDurationText, type FaultName, type FaultRates } from './faults.js';
export { requestFault, CONTROL_FILE, type ControlInfo, type FaultResponse } from './control.js';
export { startProgress } from './progress.js';
export { DeviceCommands, REMEMBER_MS, REMEMBER_MAX, type CommandRates, type Commanded, type CommandEffect, type Handled } from './commands.js';
