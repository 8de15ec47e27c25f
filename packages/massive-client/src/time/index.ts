export * from './civil-date.js';
export * from './new-york.js';
