import { describeServiceContract } from '@shelfcast/testing';

describeServiceContract('registry', { dependencies: ['kafka', 'postgres'] });
