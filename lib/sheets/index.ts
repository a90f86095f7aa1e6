export * from './read.js';
export * from './cells.js';
