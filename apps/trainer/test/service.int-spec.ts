import { describeServiceContract } from '@shelfcast/testing';

// The trainer is headless: health and metrics on a side port.
describeServiceContract('trainer', { dependencies: ['postgres', 'redis'], portVariable: 'METRICS_PORT' });
