import { Type, type Static } from '@sinclair/typebox';

/** `edu/v1/{id}/status`, QoS 1, retained; also the Last Will with state "offline". */
export const StatusPayload = Type.Object(
  { state: Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('sleep')]), ts: Type.Optional(Type.Integer({ minimum: 0 })) },
  { additionalProperties: false },
);
export type StatusPayload = Static<typeof StatusPayload>;

/** `edu/v1/{id}/attributes`, QoS 1, retained: slow facts about the device. */
export const AttributesPayload = Type.Object(
  {
    model: Type.Optional(Type.String({ maxLength: 128 })),
    serial: Type.Optional(Type.String({ maxLength: 128 })),
    firmware: Type.Optional(Type.String({ maxLength: 64 })),
    os: Type.Optional(Type.String({ maxLength: 64 })),
    ip: Type.Optional(Type.String({ maxLength: 64 })),
    mac: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean()]) },
);
export type AttributesPayload = Static<typeof AttributesPayload>;

/** `edu/v1/{id}/event`, QoS 1: errors, session start / end and the like. */
export const EventPayload = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 64 }),
    code: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Integer()])),
    message: Type.Optional(Type.String({ maxLength: 1024 })),
    ts: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type EventPayload = Static<typeof EventPayload>;

/** `edu/v1/{id}/cmd/{commandId}`, QoS 1, server → device. */
export const CommandPayload = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    args: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    expiresAt: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type CommandPayload = Static<typeof CommandPayload>;

/** `edu/v1/{id}/cmd/{commandId}/result`, QoS 1, device → server. */
export const CommandResultPayload = Type.Object(
  { ok: Type.Boolean(), message: Type.Optional(Type.String({ maxLength: 1024 })), ts: Type.Optional(Type.Integer({ minimum: 0 })) },
  { additionalProperties: false },
);
export type CommandResultPayload = Static<typeof CommandResultPayload>;
