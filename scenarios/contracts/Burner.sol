// SPDX-License-Identifier: MIT
// floodgate scenario contract: heavy txs whose cost is gas alone (scenarios/heavy.toml).
// Compiled by scenarios/contracts/build.mjs into Burner.bin and the scenario's bytecode line.
pragma solidity ^0.8.24;

contract Burner {
    /// Burns `amount` gas (to within one loop turn) in a loop of arithmetic: no storage written,
    /// no logs, so a tx of it grows no state and costs the same in every block. Reverts (an
    /// underflow) when the tx has less than `amount` gas left.
    function burn(uint256 amount) external view returns (uint256 acc) {
        uint256 stop = gasleft() - amount;
        while (gasleft() > stop) {
            unchecked {
                acc = acc * 31 + 7;
            }
        }
    }
}
