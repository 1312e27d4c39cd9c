// SPDX-License-Identifier: MIT
// floodgate scenario contract: an ERC-20 test token (scenarios/erc20.toml, scenarios/mixed.toml).
// Compiled by scenarios/contracts/build.mjs into Token.bin and the scenarios' bytecode lines.
pragma solidity ^0.8.24;

/// An ERC-20 anyone may mint (it is a load-test token). Every address minted to joins a ring
/// of holders, and `transferToNext` passes tokens to the next holder of the ring: a pool of
/// accounts can send real token transfers among itself without knowing each other's addresses.
contract Token {
    string public constant name = "floodgate test token";
    string public constant symbol = "FLOOD";
    uint8 public constant decimals = 18;

    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    address[] public holders;
    /// 1-based position in `holders`; 0: not a holder.
    mapping(address => uint256) public ringIndex;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    function mint(address to, uint256 amount) external {
        if (ringIndex[to] == 0) {
            holders.push(to);
            ringIndex[to] = holders.length;
        }
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function holderCount() external view returns (uint256) {
        return holders.length;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    /// Transfers `amount` to the holder after the sender in the ring (wrapping around).
    function transferToNext(uint256 amount) external returns (bool) {
        uint256 i = ringIndex[msg.sender];
        require(i != 0, "not a holder");
        _transfer(msg.sender, holders[i % holders.length], amount);
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= amount, "allowance too low");
            allowance[from][msg.sender] = allowed - amount;
        }
        _transfer(from, to, amount);
        return true;
    }

    function _transfer(address from, address to, uint256 amount) internal {
        uint256 balance = balanceOf[from];
        require(balance >= amount, "balance too low");
        unchecked {
            balanceOf[from] = balance - amount;
        }
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}
