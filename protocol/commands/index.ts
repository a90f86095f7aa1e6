export { COMMANDS } from './catalog.js';
export { defineCommand, type CommandDefinition } from './define.js';
export { parseCommand, commandsOf, commandOf, type ParsedCommand } from './parse.js';
