"""デモ用の本人確認サービス: a local OpenID provider for development, tests and the demo."""
