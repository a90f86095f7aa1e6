export * from './values.js';
export * from '../../lib/sheets/read.js';
export * from './plan.js';
export * from './apply.js';
