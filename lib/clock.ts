/** Time inside EduFleet is UTC milliseconds; tests and the simulator's backfill swap the clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export const TIME_ZONE = 'Asia/Ho_Chi_Minh';
