"""NGO service contracts: the county's contracts and the children assigned under them."""
