export * from './read.js';
export * from './cells.js';
export * from './write.js';
export * from './columns.js';
export * from './limits.js';
export * from './isolated.js';
export * from './xlsx-guard.js';
