"""The modals: the capture modals (`capture`, read back by `capture_parsing`), the decision
modals (`decisions`, builder and parser side by side) and the inputs they share (`inputs`)."""
