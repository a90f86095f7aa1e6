import type { RegistryStore, RoomPlace } from '../../registry/index.js';

export type { RoomPlace };

/** Names of where devices sit, for a page of devices at a time (one query per page, never one per device). */
export function roomPlaces(registry: RegistryStore, roomIds: Iterable<number>): Promise<Map<number, RoomPlace>> {
  return registry.roomPlaces(roomIds);
}
