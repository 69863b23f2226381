"""The models layer: verified model artifacts (text and voice bundles), the registry of text model
kinds, which bundle is in use, and the text models' own code. The engine reads models through here;
nothing here imports the engine, the shells or training."""
