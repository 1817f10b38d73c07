import { describeServiceContract } from '@shelfcast/testing';

// The trainer serves its API, health and metrics on PORT; Kafka carries the alerts it retrains on.
describeServiceContract('trainer', { dependencies: ['kafka', 'postgres', 'redis'] });
