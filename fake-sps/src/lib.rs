//! A fake SPS appliance (work in progress).
