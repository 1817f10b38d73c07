export * from './database';
export * from './kafka';
export * from './process';
export * from './redis';
export * from './servers';
export * from './health-suite';
export * from './broker';
export * from './truth';
