import { describeServiceContract } from '@shelfcast/testing';

describeServiceContract('admin-api', { dependencies: ['kafka', 'postgres', 'redis'] });
