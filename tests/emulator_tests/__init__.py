"""Tests of the Graph + Entra emulator itself."""
