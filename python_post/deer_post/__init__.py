"""deer_post: post-processing for the HDF5 files written by the `deer` driver.

    python3 -m deer_post summary|compare|plot|report FILE.h5 [options]
    python3 -m deer_post plot-speedup BENCH.json -o speedup.png
"""

__version__ = "0.1.0"

from .io import DeerFile, DeerFileError, Trajectory, read

__all__ = ["DeerFile", "DeerFileError", "Trajectory", "read", "__version__"]
