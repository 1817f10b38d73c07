import { describeServiceContract } from '@shelfcast/testing';

describeServiceContract('features', { dependencies: ['kafka', 'postgres', 'redis'] });
