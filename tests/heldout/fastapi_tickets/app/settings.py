from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TICKETS_", env_file=".env")

    database_url: str = "postgresql+asyncpg://tickets:tickets@localhost:5432/tickets"  # expect: SQA302
    db_host: str = "localhost"
    db_user: str = "tickets"
    db_password: str = ""
    pool_size: int = 10


settings = Settings()
