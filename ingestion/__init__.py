"""Turn a folder of documents into chunks in the Guichet index."""
