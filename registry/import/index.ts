export * from './values.js';
export * from './read.js';
export * from './plan.js';
export * from './apply.js';
