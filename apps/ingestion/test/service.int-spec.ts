import { describeServiceContract } from '@shelfcast/testing';

describeServiceContract('ingestion', { dependencies: ['kafka', 'postgres', 'redis'] });
