import { describeServiceContract } from '@shelfcast/testing';

describeServiceContract('inference', { dependencies: ['kafka', 'postgres', 'redis'] });
