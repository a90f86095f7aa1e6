export * from './hierarchy.js';
