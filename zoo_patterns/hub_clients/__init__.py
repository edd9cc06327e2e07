"""Each hub's own client against the zoo's server, in its own process (lesson 15): the probe and the fault matrix.

``zoo_patterns.hubs`` answers the four hubs' protocols (the server side, below the loader's
``serve``); this package runs their clients, and the zoo's own loader, against it. It sits
above the loader in lesson 12's layers because one of the clients it runs is the loader.
"""
