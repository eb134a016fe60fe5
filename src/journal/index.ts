// Public surface of the journal: the write-ahead record of long-running operations (migrations, shifts).
export * from './journal.js';
export * from './secret-digest.js';
export * from './secret-entry.js';
