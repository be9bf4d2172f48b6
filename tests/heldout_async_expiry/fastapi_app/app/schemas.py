from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class CustomerIn(BaseModel):
    email: str
    name: str


class CustomerPatch(BaseModel):
    email: str | None = None
    name: str | None = None
    is_active: bool | None = None


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    is_active: bool


class AccountIn(BaseModel):
    owner_email: str
    owner_name: str
    billing_email: str
    billing_name: str


class NameIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class ProductIn(BaseModel):
    sku: str
    name: str
    price: Decimal
    stock: int = 0


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sku: str
    name: str
    price: Decimal
    stock: int


class PriceIn(BaseModel):
    price: Decimal = Field(gt=0)


class RestockIn(BaseModel):
    quantity: int = Field(gt=0)


class OrderLineIn(BaseModel):
    product_id: int
    quantity: int = Field(gt=0)


class OrderIn(BaseModel):
    customer_id: int
    lines: list[OrderLineIn]


class QuickOrderIn(BaseModel):
    customer_id: int
    product_id: int
    quantity: int = Field(gt=0)


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    status: str
    total: Decimal
