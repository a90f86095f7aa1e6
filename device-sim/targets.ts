import { EdufleetError } from '../lib/errors.js';
import { FAULT_NAMES, FAULTS, isFaultName, type FaultName } from './faults.js';
import type { SimDevice } from './provision.js';

const roomLabel = (d: SimDevice) => `${d.school.code}/${d.room.code}`;

/**
 * The simulated devices a `sim fault` target names: a device id, a room id of the registry, `SCHOOL/ROOM` (room
 * code as the device ids have it: `S1P01` for a second site's P01), or a bare room code when only one school has it.
 */
export function resolveTarget(devices: readonly SimDevice[], target: string): SimDevice[] {
  const t = target.trim().toLowerCase();
  const device = devices.find((d) => d.id === t);
  if (device) return [device];
  let hits: SimDevice[] = [];
  if (/^\d+$/.test(t)) hits = devices.filter((d) => d.roomId === Number(t));
  else if (t.includes('/')) hits = devices.filter((d) => roomLabel(d).toLowerCase() === t);
  else {
    hits = devices.filter((d) => d.room.code.toLowerCase() === t);
    const rooms = [...new Set(hits.map(roomLabel))];
    if (rooms.length > 1) {
      throw new EdufleetError('EDUFLEET_ERR_SIM_TARGET', `Mã phòng '${target}' có ở ${rooms.length} phòng (${rooms.slice(0, 5).join(', ')}${rooms.length > 5 ? ', …' : ''}); `
        + `hãy ghi TRƯỜNG/PHÒNG hoặc id phòng. (Room code '${target}' is used by ${rooms.length} rooms; give SCHOOL/ROOM or the room id.)`);
    }
  }
  if (!hits.length) {
    throw new EdufleetError('EDUFLEET_ERR_SIM_TARGET', `Trình giả lập không có thiết bị hay phòng '${target}' (mã thiết bị, id phòng, TRƯỜNG/PHÒNG hoặc mã phòng). `
      + `(The simulator has no device or room '${target}': give a device id, a room id, SCHOOL/ROOM or a room code.)`);
  }
  return hits;
}

/** The fault named `name`, or a coded error listing the faults there are. */
export function faultNamed(name: string): FaultName {
  if (isFaultName(name)) return name;
  throw new EdufleetError('EDUFLEET_ERR_SIM_FAULT', `Không có lỗi '${name}'; các lỗi: ${FAULT_NAMES.join(', ')}. (Unknown fault '${name}'; the faults are ${FAULT_NAMES.join(', ')}.)`);
}

/** The devices of `hits` that can have `fault`, or a coded error naming the kinds it needs. */
export function devicesFor(fault: FaultName, hits: readonly SimDevice[], target: string): SimDevice[] {
  const kinds = FAULTS[fault].kinds;
  const out = hits.filter((d) => kinds.includes(d.kind));
  if (!out.length) {
    throw new EdufleetError('EDUFLEET_ERR_SIM_FAULT', `'${target}' không có thiết bị loại ${kinds.join('/')} để gây lỗi ${fault}. `
      + `(No device of kind ${kinds.join('/')} in '${target}' for the fault ${fault}.)`);
  }
  return out;
}
