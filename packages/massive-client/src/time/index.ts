export * from './civil-date.js';
export * from './new-york.js';
export * from './period-bars.js';
