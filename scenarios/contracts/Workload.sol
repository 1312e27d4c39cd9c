// SPDX-License-Identifier: MIT
// floodgate scenario contract: storage, calldata, access-list and revert workloads
// (scenarios/storage.toml, calldata.toml, access-list.toml, reverts.toml, mixed.toml).
// Compiled by scenarios/contracts/build.mjs into Workload.bin and the scenarios' bytecode lines.
pragma solidity ^0.8.24;

contract Workload {
    /// Storage slots 0-7, so access lists can name them directly (key 0x00…00 to 0x00…07).
    uint256[8] public counters;
    /// Slot 8: the slots `fill` writes.
    mapping(uint256 => uint256) public cells;

    event Absorbed(address indexed from, uint256 size);

    /// SSTORE-heavy: writes `count` cells from `start`; a cell written for the first time costs
    /// 22,100 gas (cold zero-to-nonzero SSTORE), so fuzzing `start` keeps every write fresh.
    function fill(uint256 start, uint256 count) external {
        for (uint256 i = 0; i < count; ++i) {
            cells[start + i] = block.number + i + 1;
        }
    }

    /// Increments counters `a` and `b` (0-7): two storage slots an access list can pre-warm.
    function bump(uint256 a, uint256 b) external {
        counters[a] += 1;
        counters[b] += 1;
    }

    /// Large calldata: takes any bytes and only logs their length.
    function absorb(bytes calldata data) external {
        emit Absorbed(msg.sender, data.length);
    }

    /// Reverts when asked to (a set share of reverting calls); otherwise bumps counter 7.
    function maybeRevert(bool doRevert) external {
        require(!doRevert, "asked to revert");
        counters[7] += 1;
    }
}
