export * from './model.js';
export * from './calendar.js';
export * from './defaults.js';
export * from './terms.js';
