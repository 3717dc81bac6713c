"""Text generation backends: llama.cpp in process, OpenAI-compatible servers, the queue."""
