"""Reading, profiling, encoding and judging tables."""

from app.data.arrow_memory import use_returning_allocator

use_returning_allocator()  # before any table is read in this process
