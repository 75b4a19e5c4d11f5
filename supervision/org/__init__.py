"""The organisation and its access: the tree of nodes, users, roles and scope, tokens."""
