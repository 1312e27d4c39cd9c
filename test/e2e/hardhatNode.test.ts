import { describeNodeContract } from '../helpers/nodeContract.js'

/** Issue 13: the end-to-end contract on Hardhat's node (hardhat 2, EDR), interval mining every second. */
describeNodeContract('hardhat', { blockTime: 1 }, { lowFee: 'queued' })
